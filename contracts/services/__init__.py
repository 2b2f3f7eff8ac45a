"""Writes: every state change goes through a function here (`<entity>_<action>`)."""
