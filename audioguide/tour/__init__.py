"""Reading and validating a tour: tour.yaml, stops/, lexicon/. No audio, no web."""
