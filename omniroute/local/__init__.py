"""The local stack: the routing API on 127.0.0.1, served by the very handlers deployed to Lambda,
against an embedded DynamoDB, S3 and Step Functions (moto's server, in memory).

    stack.py          start_local_stack() / LocalStack: everything below, started and stopped
    template.py       template.yaml as data: functions, Handler strings, API routes, state machines
    routes.py         which template route serves a request (as API Gateway matches paths)
    api_server.py     the local API Gateway: uvicorn + an ASGI app (404/405/413, HEAD, OPTIONS, 502)
    events.py         API Gateway REST proxy events, the Lambda context, proxy responses as HTTP
    workers.py        handler processes that act as Lambda containers (a dead one is replaced)
    faults.py         test-only fault injection: kill a worker at its N-th AWS call
    moto_server.py    moto's server on 127.0.0.1, one request at a time
    moto_json.py      faster answers from moto's DynamoDB (plain JSON)
    moto_transactions.py  faster transactions in moto's DynamoDB (item snapshots)
    snapshots.py      --data-dir: the store saved on stop, restored on start
    deployment/       template.yaml and the state machine definitions (symlinks; copies in a wheel)

The embedded store is for local runs, tests and demos: in memory unless `--data-dir`, one
request at a time, not a production database.
"""

from omniroute.local.stack import DEFAULT_DATASET, LocalStack, start_local_stack

__all__ = ["DEFAULT_DATASET", "LocalStack", "start_local_stack"]
