"""`python -m planner`."""

from planner._console import main

main()
