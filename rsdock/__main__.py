import sys

from rsdock.cli import main

sys.exit(main())
