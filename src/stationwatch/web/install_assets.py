"""`python -m stationwatch.web.install_assets`: fetch the web app's browser assets (see `assets`)."""
import sys

from .assets import main

if __name__ == "__main__":
    sys.exit(main())
