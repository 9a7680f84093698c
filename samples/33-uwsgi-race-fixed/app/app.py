from flask import Flask, request

app = Flask(__name__)


@app.post("/orders")
def create_order():
    return {"received": len(request.get_data())}, 201


@app.get("/")
def index():
    return "ok\n"
