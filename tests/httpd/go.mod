module xhyve/faultd

go 1.19
