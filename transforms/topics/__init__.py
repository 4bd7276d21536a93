"""Topics: IPTC Media Topic classification from the feed's sections and the text model."""
