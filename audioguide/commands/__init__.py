"""Plain functions behind each CLI command; __main__ only parses flags."""
