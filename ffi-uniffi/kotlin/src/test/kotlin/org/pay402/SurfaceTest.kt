// The Kotlin binding against the one written-down binding surface (tests/conformance/binding-surface.json),
// by reflection on the generated package: every operation exists under its Kotlin name with the
// listed number of parameters, every record it returns has the listed fields (camelCase), the
// record defaults are the core's constants, and nothing public beyond the list is exported.
package org.pay402

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File
import java.lang.reflect.Modifier

class SurfaceTest {
    private val surface = Json.parseToJsonElement(
        File(System.getProperty("pay402.surface") ?: "../../tests/conformance/binding-surface.json").readText()
    ).jsonObject
    private val operations = surface["operations"]!!.jsonArray.map { it.jsonObject }
    private val types = surface["types"]!!.jsonObject

    /** The generated top-level functions (pay402_uniffi.kt), by Kotlin name: inline-class
     *  parameters (UInt, ULong) mangle the JVM name to `name-hash`. */
    private val functions = Class.forName("org.pay402.Pay402_uniffiKt").declaredMethods
        .filter { Modifier.isPublic(it.modifiers) && Modifier.isStatic(it.modifiers) && !it.isSynthetic }
        .filter { '$' !in it.name }
        .groupBy { it.name.substringBefore('-') }

    private fun String.camel() = split('_').mapIndexed { i, s -> if (i == 0) s else s.replaceFirstChar(Char::uppercase) }.joinToString("")
    private fun JsonObject.text(key: String): String? = (this[key] as? JsonPrimitive)?.takeIf { it.isString }?.content
    private fun fields(cls: Class<*>) = cls.declaredFields.filter { !Modifier.isStatic(it.modifiers) }.map { it.name }.toSet()

    @Test
    fun everyOperationExistsWithTheListedParameters() {
        val problems = mutableListOf<String>()
        for (op in operations) {
            val name = op.text("kotlin")
            if (name == null) {
                if ((op["absent"] as? JsonObject)?.text("kotlin").isNullOrEmpty()) problems += "${op.text("name")}: no Kotlin name and no reason"
                continue
            }
            val overloads = functions[name]
            if (overloads == null) { problems += "$name is not exported"; continue }
            val want = op["inputs"]!!.jsonObject["kotlin"]!!.jsonArray.size
            if (overloads.none { it.parameterCount == want }) problems += "$name takes ${overloads.map { it.parameterCount }}, not $want parameters"
        }
        assertTrue(problems.isEmpty(), problems.joinToString("\n"))
    }

    @Test
    fun everyReturnedRecordHasTheListedFields() {
        val problems = mutableListOf<String>()
        for ((name, t) in types) {
            val type = t.jsonObject
            val kotlin = type.text("kotlin") ?: continue
            val cls = runCatching { Class.forName("org.pay402.$kotlin") }.getOrNull()
            if (cls == null) { problems += "record $kotlin ($name) does not exist"; continue }
            val renames = (type["field_names"] as? JsonObject)?.get("kotlin") as? JsonObject
            val have = fields(cls)
            for (f in type["fields"]!!.jsonArray.map { it.jsonPrimitive.content }) {
                val field = (renames?.text(f) ?: f).camel()
                if (field !in have) problems += "$kotlin lacks $field"
            }
        }
        for (c in surface["classes"]!!.jsonArray.map { it.jsonObject }) {
            val kotlin = c.text("kotlin") ?: continue
            if (runCatching { Class.forName("org.pay402.$kotlin") }.isFailure) problems += "class $kotlin does not exist"
        }
        assertTrue(problems.isEmpty(), problems.joinToString("\n"))
    }

    @Test
    fun recordDefaultsAreTheCoreConstants() {
        val core = surface["core_defaults"]!!.jsonObject
        val instances = mapOf<String, Any>("VerifyOptions" to VerifyOptions())
        for ((record, byField) in surface["kotlin_defaults"]!!.jsonObject) {
            val instance = instances[record] ?: error("no default instance of $record in SurfaceTest")
            for ((field, constant) in byField.jsonObject) {
                val f = instance.javaClass.getDeclaredField(field.camel()).apply { isAccessible = true }
                val want = core[constant.jsonPrimitive.content]!!.jsonPrimitive.content
                assertEquals(want, f.get(instance).toString(), "$record.${field.camel()} (${constant.jsonPrimitive.content})")
            }
        }
    }

    @Test
    fun nothingPublicBeyondTheSurface() {
        val documented = operations.mapNotNull { it.text("kotlin") }.toSet() +
            (surface["extras"]!!.jsonObject["kotlin"] as JsonArray).flatMap { g ->
                g.jsonObject["names"]!!.jsonArray.map { it.jsonPrimitive.content }
            }
        val extra = functions.keys - documented
        assertTrue(extra.isEmpty(), "exported but not in tests/conformance/binding-surface.json: $extra")
        assertTrue(surface["kotlin_defaults"] !is JsonNull)
    }
}
