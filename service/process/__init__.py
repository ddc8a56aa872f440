"""The process core: what a BPMN process does with people, through the engine processes.

    definitions   deploy and read versioned definitions (BPMN + forms)
    instances     start (with the flow's start contract), read, retry, move a token
    tasks         list, read and complete human tasks
    progress      after every engine step: history, ready tasks, state, and the subscribers
    scheduler     fire due timers (one instance, or a pass over every due one)
    history       the append-only sha256 chain and its verification
    drafts, inbox, item_view, facts    read models and per-user state around tasks
    start_contract, start_form, payload_bounds   what a start may carry
    script_helpers  the functions BPMN scripts may call
    context       ServiceContext: engine processes, clock, definition files
    names         the process keys, element ids and data keys Python relies on

It imports the engine, access, workdays and db — never the features that react to it (those subscribe,
see service/wiring.py).
"""
