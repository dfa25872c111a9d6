import sys

from registry_lsp.cli import main

sys.exit(main())
