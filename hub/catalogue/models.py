"""Nothing is stored: the catalogue is code (fields.py), versioned with the hub itself."""
