"""Reading input files into raw cell grids, whatever their format or encoding."""
