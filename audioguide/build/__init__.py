"""The build: a tour becomes audio/, its manifest and the QR posters."""
