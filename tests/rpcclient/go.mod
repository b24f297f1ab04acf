module xhyve/rpcclient

go 1.19
