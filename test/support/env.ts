// Runs in every test worker before the test file: type-graphql needs reflect-metadata loaded.
import "reflect-metadata";
