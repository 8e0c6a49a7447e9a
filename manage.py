#!/usr/bin/env python
from huitong.cli import main

if __name__ == "__main__":
    main()
