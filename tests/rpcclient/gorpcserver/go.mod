module xhyve/gorpcserver

go 1.19
