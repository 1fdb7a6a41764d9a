print("maild: not built yet")
