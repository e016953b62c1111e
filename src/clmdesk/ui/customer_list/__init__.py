"""Lists of customers: the table model, the searchable dialog and its export."""
