"""Communication protocols agreed per project between the two companies (see issue 3)."""
