"""The outreach component's migrations, one module each (`m0001_...`), found by their
number. A released migration is never edited: a later change gets a module of its own."""
