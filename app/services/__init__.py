"""Use cases shared by the pages, the JSON API and the CLI: one transaction each."""
