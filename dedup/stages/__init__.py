"""The stages of a scan, one module each, in the order a scan runs them:

    read → segment → normalize → shingle → sketch → candidates → verify → decide → write

read and write are in dedup.io. `mapping` fuses segment, normalize and shingle into
the parallel map stage; `units` collapses identical shingle sets; `pairs` runs
sketch → candidates → verify; `drops` applies decide's unit decisions to spans.
dedup.pipeline runs them in turn.
"""
