/** The seeded generator lives with the devnet, whose borrower driver uses it too. */
export { Random } from "../../devnet/random.js";
