"""Signal processing: PCM, loudness, true peak, MP3, captions. No engines, no tour files."""
