// Starts @vercel/cosmosdb-server (an in-memory Cosmos DB-protocol server) with one fix.
//
// Version 1.0.1 answers a point read of a missing item with a 500 ("Cannot read
// properties of undefined") instead of Cosmos DB's 404 NotFound, because its handler
// reads a property of the document before checking that it exists. The stores rely on
// that 404 ("no such referral"), exactly as they do against Azure, so this wrapper
// answers 404 first when the item is missing and otherwise leaves the request to the
// server's own handler. Nothing else is changed. Arguments are the server's own:
//   node tests/storage/cosmos_server.js --host 127.0.0.1 -p 0
"use strict";

const readDocument = require("@vercel/cosmosdb-server/lib/handler/read-document");
const partitionHeader = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header");

const serverRead = readDocument.default;
// The route table copies handler references when it loads, so patch before loading it.
readDocument.default = (account, req, res, params) => {
  const collection = account.database(params.dbId).collection(params.collId);
  const header = partitionHeader.default(req);
  if (collection.read() && header !== undefined) {
    const key = partitionHeader.parsePartitionKey(header, params.docId);
    if (!collection.document(params.docId, key).read()) {
      res.statusCode = 404;
      return {
        code: "NotFound",
        message: "Entity with the specified id does not exist in the system.",
      };
    }
  }
  return serverRead(account, req, res, params);
};

require("@vercel/cosmosdb-server/lib/cli");
