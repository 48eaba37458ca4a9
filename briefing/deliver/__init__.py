"""deliver: writes outputs atomically (files) and sends editions by email, once per recipient."""
