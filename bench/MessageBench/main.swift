print("message-bench: not built yet")
