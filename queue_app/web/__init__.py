"""Blueprints, one per audience: api, home (landing and pairing); kiosk, display, counter, track,
supervisor and admin pages are added by their own modules."""
