from rsdock.cli import entry

entry()
