import sys

from scriptalign.cli import main

sys.exit(main())
