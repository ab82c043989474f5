-- The lab worklist and the invoice list at volume (bench/results/labs-billing.md): each list filter's column first, then
-- the list's order, so page 1 is the first entries of one index range and a filtered count (of the table alone, see
-- Paging.ToPagedAsync with a count query) an index-only scan of that range.

-- The worklist's order over every status (the partial lab_orders_worklist_idx holds only the open orders).
CREATE INDEX lab_orders_rank_created_idx ON lab_orders (priority_rank, created_at, id);
-- status=… and priority=… on the worklist, in its order.
CREATE INDEX lab_orders_status_rank_idx ON lab_orders (status, priority_rank, created_at, id);
CREATE INDEX lab_orders_priority_rank_idx ON lab_orders (priority, priority_rank, created_at, id);
-- status=… on the invoice list, newest first.
CREATE INDEX invoices_status_created_idx ON invoices (status, created_at DESC, id);
