"""Schools and their staff (profiles, directory and verification come with the schools issue)."""
