"""Widgets: the sign-in dialog and the messages the user sees."""
