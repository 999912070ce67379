"""Placeholder until the page is built."""

from dashboard.ui import page_setup

page_setup("compare")
