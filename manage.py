#!/usr/bin/env python
"""Django's command-line utility for etl-file-monitoring."""

from __future__ import annotations

import sys


def main() -> None:
    from service.bootstrap import configure_environment

    configure_environment()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
