"""Item deadlines beyond the first computation: moving them (calendar, 延期), time limits by item type, 催办."""
