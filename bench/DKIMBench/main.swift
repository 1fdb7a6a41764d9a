print("dkim-bench: not built yet")
