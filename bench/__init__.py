"""`make bench`: speed figures as JSON lines, each with its ratio to a baseline measured in the same run."""
