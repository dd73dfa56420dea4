"""Files fpmetrics writes: outputs written atomically, never over an input; temporary files
removed when a run is stopped. Shared by the stages and the reports."""
