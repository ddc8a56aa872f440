"""How a long-running serving process is set up beyond the app itself (heap.py: its start-up heap frozen)."""
