import sys

from mcp_service.cli import main

sys.exit(main())
