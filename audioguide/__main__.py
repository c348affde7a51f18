"""`python -m audioguide`: the command line (audioguide.cli)."""

from audioguide.cli import cli

if __name__ == "__main__":
    cli()
