print("exemplar")
