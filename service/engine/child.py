"""`python -m service.engine.child`: one engine process, driven over its pipes (see isolation.py)."""

from service.engine.isolation import child_main

if __name__ == "__main__":
    child_main()
