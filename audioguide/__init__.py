"""audioguide: narration texts become a narrated, self-hosted audio guide."""

__version__ = "0.1.0"
