"""Framework plumbing shared by every domain: settings, database, cache, errors, responses,
logging and metrics, load shedding, migrations, development secrets."""
