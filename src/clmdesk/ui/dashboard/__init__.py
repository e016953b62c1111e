"""The control panel ("Painel de controle"): a grid of widget tiles the user arranges.

Public entry point: :class:`clmdesk.ui.dashboard.panel_page.PanelPage`.
"""
