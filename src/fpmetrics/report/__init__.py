"""Renderers: one function per output format over the same :class:`CheckReport`."""
