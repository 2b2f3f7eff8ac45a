"""Reads: composed queries the API and workers share (`<entity>_<query>`)."""
