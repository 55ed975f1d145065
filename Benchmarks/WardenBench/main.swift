print("warden-bench")
