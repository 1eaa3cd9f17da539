"""Accounts a teacher can look after: passwords changed and reset, usernames made from names
in any script, and students removed from, moved between and carried over to projects."""
