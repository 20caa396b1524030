# g4f's test kit: replica fixtures, and no real keys or cached logins inside tests.
pytest_plugins = ["g4f.testing.fixtures"]
